from shanwang.spreadsheets.command import ImportCommand
from villages.imports import import_income_file


class Command(ImportCommand):
    help = (
        "Import village collective income (村集体经济收入) from an .xlsx or CSV file. "
        "All or nothing: one bad row imports nothing."
    )
    run = staticmethod(import_income_file)
