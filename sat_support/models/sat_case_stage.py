from odoo import api, fields, models


class SatCaseStage(models.Model):
    _name = "sat.case.stage"
    _description = "Support Case Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    fold = fields.Boolean(
        string="Folded in Kanban",
        help="Cases in a folded stage are hidden by default in the kanban view.",
    )
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="Cases reaching this stage are finished: they get a close date and "
        "become read-only for SAT users. A solution is required unless the stage "
        "cancels the case.",
    )
    is_cancel = fields.Boolean(
        string="Cancelling Stage",
        help="Cases here were closed without being solved: no solution is required and "
        "they are never invoiced.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Customer Mail",
        domain=[("model", "=", "sat.case")],
        help="Mailed to the customer when a case reaches this stage (for the first "
        "stage: the acknowledgement of a new case).",
    )
    rating_template_id = fields.Many2one(
        "mail.template",
        string="Rating Request",
        domain=[("model", "=", "sat.case")],
        help="Mailed to the customer when a case reaches this stage, to rate the "
        "service with three faces and a comment.",
    )
    company_id = fields.Many2one("res.company")

    _sql_constraints = [
        (
            "cancel_is_closed",
            "CHECK(is_cancel IS NOT TRUE OR is_closed IS TRUE)",
            "A cancelling stage must also be a closing stage.",
        ),
    ]

    @api.onchange("is_cancel")
    def _onchange_is_cancel(self):
        # A cancelling stage is closing by definition: spares the user an error.
        if self.is_cancel:
            self.is_closed = True
