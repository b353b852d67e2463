{
    "name": "SAT Support Statistics",
    "summary": "Statistics of support cases to find the root causes of product "
    "failures, and an Excel workbook of them",
    "version": "18.0.1.3.0",
    "category": "Services/Helpdesk",
    "website": "https://github.com/sat-odoo/sat",
    "author": "SAT for Odoo",
    "maintainers": ["sat-odoo"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["sat_support"],
    "images": ["static/description/screenshot_dashboard.png"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "assets": {
        "web.assets_backend": ["sat_reports/static/src/dashboard/*"],
        "web.assets_tests": ["sat_reports/static/tests/tours/*.js"],
    },
    "data": [
        "security/ir.model.access.csv",
        "security/sat_reports_rules.xml",
        "report/sat_case_report_views.xml",
        "report/sat_root_cause_views.xml",
        "wizards/sat_report_export_wizard_views.xml",
        "views/sat_report_dashboard_views.xml",
        "views/res_config_settings_views.xml",
        "views/sat_reports_menus.xml",
    ],
}
