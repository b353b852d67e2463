from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


def warranty_day(record, moment=None):
    """The day a moment counts as for a warranty (a delivery, a case received): its
    date in the user's time zone, as Odoo dates a day, so that a unit delivered and
    a case received on the same day agree whoever looks."""
    return fields.Date.context_today(record, moment)


def warranty_covered(start, end, day):
    """True under warranty on ``day``, False expired, None when unknown (no delivery
    known, or a product without warranty)."""
    if not end:
        return None
    return start <= day <= end


class StockLot(models.Model):
    _inherit = "stock.lot"

    sat_warranty_start = fields.Date(
        string="Warranty Start",
        copy=False,
        help="Set when the serial is delivered to a customer; for goods sold "
        "elsewhere, the date of their sale.",
    )
    sat_warranty_end = fields.Date(
        string="Under Warranty Until",
        compute="_compute_sat_warranty_end",
        store=True,
        help="Last day covered: the warranty start plus the product's warranty months.",
    )
    sat_case_count = fields.Integer(
        string="Support Cases",
        compute="_compute_sat_case_count",
        groups="sat_support.group_sat_user",
    )

    @api.depends("sat_warranty_start", "product_id.product_tmpl_id.sat_warranty_months")
    def _compute_sat_warranty_end(self):
        for lot in self:
            months = lot.product_id.product_tmpl_id.sat_warranty_months
            lot.sat_warranty_end = (
                lot.sat_warranty_start + relativedelta(months=months, days=-1)
                if lot.sat_warranty_start and months > 0
                else False
            )

    def _sat_is_covered(self, day):
        self.ensure_one()
        return warranty_covered(self.sat_warranty_start, self.sat_warranty_end, day)

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
