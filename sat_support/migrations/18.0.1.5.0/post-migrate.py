from odoo.addons.sat_support.upgrade import find_followed_cases_through_followers


def migrate(cr, version):
    if version:
        find_followed_cases_through_followers(
            cr,
            "sat_support",
            ["sat_case_rule_user", "sat_case_line_rule_user", "sat_case_sla_rule_user"],
        )
