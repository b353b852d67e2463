from odoo import Command, fields, models


class SatCaseCloseWizard(models.TransientModel):
    _name = "sat.case.close.wizard"
    _description = "Close Cases Short of Stock"

    case_ids = fields.Many2many("sat.case", string="Cases", required=True)
    line_ids = fields.One2many(
        "sat.case.close.wizard.line",
        "wizard_id",
        string="Missing Supplies",
        readonly=True,
    )

    def _action_open(self, cases, shortages):
        wizard = self.create(
            {
                "case_ids": [Command.set(cases.ids)],
                "line_ids": [
                    Command.create(
                        {
                            "case_line_id": line.id,
                            "quantity_needed": needed,
                            "quantity_available": available,
                        }
                    )
                    for line, needed, available in shortages
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Not Enough Stock"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_close_and_wait(self):
        """Close now; the supplies leave stock when they arrive."""
        return self.case_ids.with_context(sat_shortage_confirmed=True).action_close()

    def action_close_and_consume(self):
        """Close now and take the supplies anyway: the stock goes negative."""
        return self.case_ids.with_context(
            sat_shortage_confirmed=True, sat_force_consume=True
        ).action_close()
