from odoo import fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    sat_case_ids = fields.One2many(
        "sat.case",
        "lot_id",
        string="Service History",
        groups="sat_support.group_sat_user",
    )
    sat_case_count = fields.Integer(
        string="Support Cases",
        compute="_compute_sat_case_count",
        groups="sat_support.group_sat_user",
    )

    def _compute_sat_case_count(self):
        counts = dict(
            self.env["sat.case"]._read_group(
                [("lot_id", "in", self.ids)], ["lot_id"], ["__count"]
            )
        )
        for lot in self:
            lot.sat_case_count = counts.get(lot, 0)

    def action_view_sat_cases(self):
        """The serial's service history: every case about this unit, oldest first."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sat_support.sat_case_action"
        )
        action.update(
            name=self.env._("Service History of %(lot)s", lot=self.name),
            domain=[("lot_id", "=", self.id)],
            context={
                "default_lot_id": self.id,
                "default_product_id": self.product_id.id,
            },
            views=[
                (
                    self.env.ref("sat_support.sat_case_view_list_service_history").id,
                    "list",
                ),
                (False, "form"),
            ],
            view_mode="list,form",
        )
        action.pop("search_view_id", None)
        return action
