from odoo.addons.sat_support.upgrade import drop_rules


def migrate(cr, version):
    """Followed cases are found through message_partner_ids again: in SQL one
    look-up of the user's followings, where 'message_follower_ids any' read every
    follower of every case."""
    if version:
        drop_rules(
            cr,
            "sat_support",
            ["sat_case_rule_user", "sat_case_line_rule_user", "sat_case_sla_rule_user"],
        )
