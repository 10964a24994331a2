from lstm_echo.launch import main

if __name__ == "__main__":  # not when a sweep's worker process imports it
    main()
