def migrate(cr, version):
    """The statistics' rules for SAT users follow the cases' rule (unassigned and
    followed cases included). Rules are not updated once installed: these two are
    dropped here and made again from the module's data."""
    if not version:
        return
    cr.execute(
        """DELETE FROM ir_model_data
            WHERE module = 'sat_reports' AND model = 'ir.rule'
              AND name IN ('sat_case_report_rule_user',
                           'sat_repeat_failure_report_rule_user')
        RETURNING res_id"""
    )
    rule_ids = [row[0] for row in cr.fetchall()]
    if rule_ids:
        cr.execute("DELETE FROM ir_rule WHERE id = ANY(%s)", [rule_ids])
