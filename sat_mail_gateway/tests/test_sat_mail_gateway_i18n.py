from odoo.tests import TransactionCase, tagged

from odoo.addons.sat_support.tests.common import SpanishTranslationMixin


@tagged("post_install", "-at_install")
class TestSatMailGatewayTranslations(SpanishTranslationMixin, TransactionCase):
    _module = "sat_mail_gateway"
