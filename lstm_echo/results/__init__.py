"""Results as data: the run rows every JSON document and results file shares (`rows`), the results
file they are written to and resumed from (`results_file`), the one summary of a group of rows
(`aggregate`), what `report` reads back (`results_summary`), the merge of shard files (`merging`) and
the plan a sharded sweep leaves beside them (`sweep_plan`). Nothing here prints or trains.
"""
