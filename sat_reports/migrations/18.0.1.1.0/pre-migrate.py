from odoo.addons.sat_support.upgrade import drop_rules


def migrate(cr, version):
    """The statistics' rules for SAT users follow the cases' rule (unassigned and
    followed cases included)."""
    if version:
        drop_rules(
            cr,
            "sat_reports",
            ["sat_case_report_rule_user", "sat_repeat_failure_report_rule_user"],
        )
