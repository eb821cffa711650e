"""The portfolio's Excel workbooks: the import resources and sheets, the record export."""
