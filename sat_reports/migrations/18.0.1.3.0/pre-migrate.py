from odoo.addons.sat_support.upgrade import drop_rules


def migrate(cr, version):
    """The statistics' rules follow the cases' rule again (see sat_support
    18.0.1.6.0)."""
    if version:
        drop_rules(
            cr,
            "sat_reports",
            ["sat_case_report_rule_user", "sat_repeat_failure_report_rule_user"],
        )
