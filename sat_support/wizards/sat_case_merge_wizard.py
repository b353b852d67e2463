from odoo import Command, api, fields, models


class SatCaseMergeWizard(models.TransientModel):
    _name = "sat.case.merge.wizard"
    _description = "Merge Duplicate Support Cases"

    case_ids = fields.Many2many("sat.case", string="Cases")
    case_id = fields.Many2one(
        "sat.case",
        string="Case to Keep",
        required=True,
        domain="[('id', 'in', case_ids)]",
        help="The others are cancelled; their messages, attachments, followers and "
        "supplies move to this one.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "sat.case":
            cases = self.env["sat.case"].browse(self.env.context.get("active_ids", []))
            values["case_ids"] = [Command.set(cases.ids)]
            # The first case reported is the one the customer knows.
            values["case_id"] = cases.sorted(lambda c: (c.date_received, c.id))[:1].id
        return values

    def action_merge(self):
        self.ensure_one()
        target = (self.case_ids - self.case_id)._merge_into(self.case_id)
        return target._get_records_action()
