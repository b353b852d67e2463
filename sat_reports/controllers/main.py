from odoo import http
from odoo.http import content_disposition, request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SatReportsController(http.Controller):
    @http.route("/sat_reports/export", type="http", auth="user", readonly=True)
    def export_statistics(self, **params):
        """The statistics workbook, with the user's rights, on a read-only cursor:
        on the read replica when Odoo has one (``db_replica_host``)."""
        wizard = request.env["sat.report.export.wizard"]._new_from_params(params)
        return request.make_response(
            wizard._build_workbook(),
            headers=[
                ("Content-Type", XLSX),
                (
                    "Content-Disposition",
                    content_disposition(wizard._get_export_filename()),
                ),
            ],
        )
