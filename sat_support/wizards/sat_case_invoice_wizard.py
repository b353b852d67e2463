from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class SatCaseInvoiceWizard(models.TransientModel):
    _name = "sat.case.invoice.wizard"
    _description = "Invoice Support Cases"

    case_ids = fields.Many2many("sat.case", string="Cases")
    grouped = fields.Boolean(
        string="One Invoice per Customer",
        help="Group the cases of a customer in one invoice instead of one invoice "
        "per case.",
    )
    invoice_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    summary = fields.Text(readonly=True)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "sat.case":
            values["case_ids"] = [Command.set(self.env.context.get("active_ids", []))]
        return values

    def action_invoice(self):
        self.ensure_one()
        if not self.case_ids:
            raise UserError(self.env._("Select the cases to invoice first."))
        refusals = self.case_ids._get_invoice_refusals()
        invoices = self.case_ids._create_invoices(grouped=self.grouped)
        invoiced = invoices.invoice_line_ids.sat_case_line_id.case_id
        lines = [
            self.env._(
                "%(cases)s case(s) invoiced in %(invoices)s invoice(s).",
                cases=len(invoiced),
                invoices=len(invoices),
            )
        ]
        if refusals:
            lines.append(self.env._("%(count)s case(s) refused:", count=len(refusals)))
            lines += [f"- {reason}" for reason in refusals.values()]
        self.write(
            {
                "invoice_ids": [Command.set(invoices.ids)],
                "summary": "\n".join(lines),
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Invoice Support Cases"),
        }

    def action_view_invoices(self):
        self.ensure_one()
        return self.invoice_ids._get_records_action(name=self.env._("Invoices"))
