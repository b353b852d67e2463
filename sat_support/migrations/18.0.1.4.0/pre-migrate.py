def migrate(cr, version):
    """An SLA policy's ``time`` is its ``work_hours``: the column and the field keep
    their values, and whatever points at the field (filters, exports, tracking)."""
    if not version:
        return
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'sat_sla' AND column_name = 'time'"""
    )
    if not cr.fetchone():
        return
    cr.execute('ALTER TABLE sat_sla RENAME COLUMN "time" TO work_hours')
    cr.execute(
        """UPDATE ir_model_fields SET name = 'work_hours'
            WHERE model = 'sat.sla' AND name = 'time'"""
    )
    cr.execute(
        """UPDATE ir_model_data SET name = 'field_sat_sla__work_hours'
            WHERE module = 'sat_support' AND model = 'ir.model.fields'
              AND name = 'field_sat_sla__time'"""
    )
