from odoo.addons.sat_support.upgrade import find_followed_cases_through_followers


def migrate(cr, version):
    if version:
        find_followed_cases_through_followers(
            cr,
            "sat_reports",
            ["sat_case_report_rule_user", "sat_repeat_failure_report_rule_user"],
        )
