from . import sat_report_export_wizard
