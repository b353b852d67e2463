from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sat_invoice_on_close = fields.Boolean(
        related="company_id.sat_invoice_on_close", readonly=False
    )
    sat_invoice_auto_post = fields.Boolean(
        related="company_id.sat_invoice_auto_post", readonly=False
    )
    sat_classify_threshold = fields.Float(
        related="company_id.sat_classify_threshold", readonly=False
    )

    def action_sat_train_classifier(self):
        """Learns the categories from the past cases now, instead of tonight."""
        count = self.env["sat.case.classifier.term"].sudo()._train(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if count else "warning",
                "message": self.env._(
                    "The classifier learned from %(count)s cases.", count=count
                )
                if count
                else self.env._(
                    "No closed case with a category yet: nothing to learn from."
                ),
            },
        }
