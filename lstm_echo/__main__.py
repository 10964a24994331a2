from lstm_echo.cli import main

main()
