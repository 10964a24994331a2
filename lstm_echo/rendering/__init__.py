"""What a person sees: the tables and sentences (`report`, `reproduction_report`), the curves and
pictures (`plot`, `heatmaps`) and the progress shown while training (`progress`). Computation
returns data; these modules turn it into text and figures.
"""
