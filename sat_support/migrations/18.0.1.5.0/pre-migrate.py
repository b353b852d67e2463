from odoo.addons.sat_support.upgrade import drop_rules


def migrate(cr, version):
    """The SAT users' rules name the user's teams and find followed cases through
    their followers: cheaper where Odoo checks them in Python, on every page."""
    if version:
        drop_rules(
            cr,
            "sat_support",
            ["sat_case_rule_user", "sat_case_line_rule_user", "sat_case_sla_rule_user"],
        )
