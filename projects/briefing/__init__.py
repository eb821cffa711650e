"""The monthly briefing (月报): its figures, workbook, PDF and pages."""
