import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_parse(self, message, save_original=False):
        msg_dict = super().message_parse(message, save_original=save_original)
        auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
        precedence = (message.get("Precedence") or "").strip().lower()
        return_path = (message.get("Return-Path") or "").strip()
        msg_dict["sat_auto_submitted"] = (
            auto_submitted != "no"
            or precedence in AUTO_PRECEDENCE
            or return_path == "<>"
            or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        )
        return msg_dict

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Automatic mails (vacation replies, bounces, lists) never open a support
        case: a reply to an acknowledgement would open a case, acknowledged again, and
        so on. They still land in the thread of a case they answer."""
        # Not a message value: message_post refuses unknown keys.
        auto_submitted = message_dict.pop("sat_auto_submitted", False)
        if auto_submitted:
            kept = [route for route in routes if route[0] != "sat.case" or route[1]]
            if len(kept) != len(routes):
                _logger.info(
                    "Automatic mail %s from %s opens no support case",
                    message_dict.get("message_id"),
                    message_dict.get("email_from"),
                )
            if not kept:
                return False
            routes = kept
        return super(
            MailThread, self.with_context(sat_auto_submitted=auto_submitted)
        )._message_route_process(message, message_dict, routes)
