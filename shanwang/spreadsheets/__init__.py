"""The generic spreadsheet engine: safe reading and writing, widgets, the all-or-nothing
import, its admin pages and command, and table exports."""
