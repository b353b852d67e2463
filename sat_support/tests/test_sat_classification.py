from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import SatCommon

# Closed cases of the past, as customers wrote them (Spanish and English).
HISTORY = {
    "billing": [
        ("Cobro duplicado", "Nos habéis cobrado dos veces la misma factura."),
        (
            "Error en factura",
            "El importe de la factura no coincide con el presupuesto.",
        ),
        ("Double charge", "You charged us twice for the same invoice."),
        ("Invoice error", "The invoice amount does not match the quote."),
        ("Reclamación", "El recibo se ha cargado dos veces en la cuenta del banco."),
        ("Refund", "Please refund the payment we made twice by mistake."),
    ],
    "defect": [
        ("Fuga de agua", "La máquina pierde agua por debajo del grupo."),
        ("Avería", "El molinillo hace un ruido fuerte y se para."),
        ("Water leak", "The machine is leaking water under the group head."),
        ("Machine fault", "The grinder makes a loud noise and stops."),
        ("No enciende", "La pantalla se queda en negro y la máquina no enciende."),
        ("Broken pump", "The pump vibrates and the coffee comes out without pressure."),
    ],
    "shipping": [
        ("Pedido no recibido", "El pedido no ha llegado y la agencia dice entregado."),
        ("Envío incorrecto", "Hemos recibido un molinillo en lugar de la cafetera."),
        (
            "Order not received",
            "The order has not arrived, the courier says delivered.",
        ),
        ("Wrong shipment", "The box arrived dented and the parcel was open."),
        ("Entrega", "Faltan dos cajas del envío, el transportista trajo tres."),
        ("Delivery", "The carrier left the parcel at our old address."),
    ],
}
SIGNATURE = (
    "\n\nUn saludo,\nMarta\n\nAVISO LEGAL: este mensaje es confidencial; sus datos "
    "de envío, facturación y pago se tratan conforme al RGPD."
)


@tagged("post_install", "-at_install")
class TestSatClassification(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = cls.sat_user_2
        cls.billing_team = cls.team_2
        cls.billing_team.write({"name": "Billing Test", "assign_method": "round_robin"})
        cls.categories = cls.env["sat.case.category"].create(
            [
                {"name": "Billing (test)", "team_id": cls.billing_team.id},
                {"name": "Defect (test)", "team_id": cls.team.id},
                {"name": "Shipping (test)"},
            ]
        )
        cls.billing, cls.defect, cls.shipping = cls.categories
        # What the test teaches, not the demo's cases of other categories.
        cls.env["sat.case.category"].search(
            [("id", "not in", cls.categories.ids)]
        ).active = False
        by_key = dict(zip(HISTORY, cls.categories, strict=True))
        cls.env["sat.case"].create(
            [
                {
                    "name": subject,
                    "symptom": f"<p>{body}</p>",
                    "partner_id": cls.customer.id,
                    "category_id": by_key[key].id,
                    "stage_id": cls.stage_closed.id,
                    "solution": "<p>Done</p>",
                    "case_type": "courtesy",
                }
                for key, cases in HISTORY.items()
                for subject, body in cases
            ]
        )
        cls.Terms = cls.env["sat.case.classifier.term"]
        cls.Terms._train(cls.company)

    def _classify(self, subject, body, sender="ana@cafeteria-sol.example", **vals):
        return self.env["sat.case"]._classify_values(
            {
                "name": subject,
                "symptom": body,
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                **vals,
            },
            sender_email=sender,
        )

    def _mail_case(self, subject, body, **kwargs):
        """A case as the mail gateway creates it: classified, then created."""
        vals = {
            "name": subject,
            "symptom": body,
            "partner_id": self.customer.id,
            "company_id": self.company.id,
        }
        vals.update(self._classify(subject, body, **kwargs))
        return self.env["sat.case"].create(vals)

    def test_double_charge_goes_to_the_billing_team(self):
        case = self._mail_case(
            "Reclamación",
            "<p>Hola, en la factura de noviembre nos habéis cobrado dos veces.</p>"
            + SIGNATURE,
        )
        self.assertEqual(case.category_id, self.billing)
        self.assertEqual(case.category_origin, "learned")
        self.assertGreaterEqual(case.category_confidence, 0.5)
        # Routed as a case typed in the form: the category's team and its member.
        self.assertEqual(case.team_id, self.billing_team)
        self.assertEqual(case.user_id, self.billing_user)

    def test_spanish_with_and_without_accents(self):
        with_accents = self._classify("Fuga", "<p>La máquina pierde agua.</p>")
        without = self._classify("Fuga", "<p>La maquina pierde agua.</p>")
        self.assertEqual(with_accents["category_id"], self.defect.id)
        self.assertEqual(without, with_accents)
        english = self._classify("Leak", "<p>Our machine is leaking water.</p>")
        self.assertEqual(english["category_id"], self.defect.id)

    def test_quoted_reply_and_footer_do_not_mislead(self):
        # The customer writes about a parcel; the quoted answer and the footer talk
        # about invoices and charges.
        body = (
            "<p>The order has not arrived and the courier says it was delivered.</p>"
            "<p>Thanks.</p><p>-- <br>John</p>"
            "<blockquote>On Monday Support wrote: your invoice was charged twice and "
            "refunded, the invoice amount matches the quote.</blockquote>"
        )
        self.assertEqual(self._classify("Help", body)["category_id"], self.shipping.id)

    def test_rule_wins_over_the_learned_guess(self):
        self.env["sat.classification.rule"].create(
            {
                "name": "Mails of the bank are shipping (test)",
                "sender_domains": "Bank.example",
                "category_id": self.shipping.id,
            }
        )
        text = "<p>You charged us twice for the same invoice.</p>"
        self.assertEqual(self._classify("Charge", text)["category_id"], self.billing.id)
        result = self._classify(
            "Charge", text, sender="Notices <no-reply@bank.example>"
        )
        self.assertEqual(
            (result["category_id"], result["category_origin"]),
            (self.shipping.id, "rule"),
        )

    def test_criticality_rules(self):
        self.env["sat.classification.rule"].create(
            {
                "name": "Stopped lines are urgent (test)",
                "rule_type": "priority",
                "priority": "2",
                "keywords": "urgente, parada, line down",
            }
        )
        for subject, body in (
            ("URGENTE", "<p>La máquina pierde agua.</p>"),
            ("Leak", "<p>Our line down since 9:00, the machine leaks.</p>"),
            ("Fuga", "<p>Tenemos la producción PARÁDA por la fuga.</p>"),
        ):
            case = self._mail_case(subject, body)
            self.assertEqual(case.priority, "2", subject)
            self.assertEqual(case.category_id, self.defect, "both kinds of rule apply")
        calm = self._mail_case("Fuga", "<p>The parade of leaks goes on.</p>")
        self.assertEqual(calm.priority, "1", "whole words only: parade is no parada")

    def test_low_confidence_left_to_classify(self):
        self.customer.sat_responsible_id = self.sat_manager
        # Words of two categories at once: not sure enough, left to a person.
        case = self._mail_case(
            "Consulta", "<p>Tengo una pregunta sobre la máquina y el pedido.</p>"
        )
        self.assertFalse(case.category_id)
        self.assertLess(case.category_confidence, 0.5)
        self.assertFalse(case.team_id, "never a wrong team")
        self.assertEqual(case.user_id, self.sat_manager, "the customer's responsible")
        to_classify = self.env["sat.case"].search(
            [("category_id", "=", False), ("is_closed", "=", False)]
        )
        self.assertIn(case, to_classify)

    def test_threshold_is_a_setting(self):
        text = "<p>Tengo una pregunta sobre la máquina y el pedido.</p>"
        self.assertNotIn("category_id", self._classify("Consulta", text))
        self.company.sat_classify_threshold = 0.2
        self.assertIn("category_id", self._classify("Consulta", text))
        with self.assertRaises(ValidationError):
            self.company.sat_classify_threshold = 1.5

    def test_correction_changes_the_next_guess(self):
        text = "<p>El descalcificador pita sin parar.</p>"
        self.assertNotIn("category_id", self._classify("Pitido", text))
        case = self._mail_case("Pitido", text)
        self.cr.flush()  # the mail's transaction ends
        # The agent classifies it; the change is tracked and teaches the next training.
        case.with_user(self.sat_user).category_id = self.defect
        self.assertEqual(case.category_origin, "manual")
        self.cr.flush()
        tracked = case.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "category_id"
        )
        self.assertEqual(tracked.new_value_char, self.defect.name)
        self.Terms._train(self.company)
        self.assertEqual(
            self._classify("Pitido", "<p>El descalcificador pita otra vez.</p>")[
                "category_id"
            ],
            self.defect.id,
        )

    def test_archived_category_never_proposed(self):
        self.billing.active = False
        result = self._classify("Double charge", "<p>You charged us twice.</p>")
        self.assertNotEqual(result.get("category_id"), self.billing.id)

    def test_bad_input(self):
        big = "<p>" + "la máquina pierde agua " * 45000 + "</p>"  # about 1 MB
        for subject, body in (
            ("", ""),
            ("Fuga", False),
            ("", "<html><body><div><b>Fuga</b> de agua en la máquina</div></body>"),
            ("Fuga", big),
            ("Vuoto", "<p>Kone vuotaa vettä lattialle joka aamu.</p>"),  # Finnish
        ):
            result = self._classify(subject, body)
            self.assertIn(result.get("category_id"), (None, self.defect.id), subject)
        self.assertEqual(self._classify("Fuga", big)["category_id"], self.defect.id)

    def test_no_history_no_guess(self):
        self.env["sat.case.classifier.term"]._cron_train()
        self.assertEqual(self.Terms._train(self.company_2), 0)
        result = self._classify(
            "Double charge",
            "<p>You charged us twice.</p>",
            company_id=self.company_2.id,
        )
        self.assertNotIn("category_id", result)
        self.assertEqual(result["category_confidence"], 0.0)

    def test_serial_of_the_customer_in_the_mail(self):
        other = self.env["res.partner"].create(
            {"name": "Other Bar", "is_company": True}
        )
        self._deliver(self.lot, self.customer)
        self._deliver(self.lot_grinder, other)
        result = self._classify(
            "Averia TST-0001", "<p>La máquina pierde agua por el grupo.</p>"
        )
        self.assertEqual(
            (result["lot_id"], result["product_id"]), (self.lot.id, self.machine.id)
        )
        self.assertNotIn("case_type", result, "a product without warranty: unknown")
        self.machine.sat_warranty_months = 24  # delivered today: covered
        result = self._classify("Averia TST-0001", "<p>Pierde agua.</p>")
        self.assertEqual(result["case_type"], "warranty")
        # Another customer's serial is not this customer's.
        result = self._classify("Avería", "<p>El molinillo TST-G-0001 no muele.</p>")
        self.assertNotIn("lot_id", result)
        case = self._mail_case("Avería", "<p>Se para. Serie: TST-0001.</p>")
        self.assertEqual((case.lot_id, case.product_id), (self.lot, self.machine))

    def test_queries_per_mail(self):
        self._classify("warm", "<p>the rules are read once</p>")
        with self.assertQueryCount(__system__=2):  # learned weights, serials
            self._classify(
                "Fuga TST-0001", "<p>La máquina pierde agua. Serie TST-0001.</p>"
            )

    def test_suggestion_in_the_form(self):
        # A SAT user of the workshop team types a leak: the workshop's category.
        with Form(self.env["sat.case"].with_user(self.sat_user)) as form:
            form.partner_id = self.customer
            form.name = "Water leak"
            form.symptom = "<p>The machine is leaking water under the group head.</p>"
            self.assertEqual(form.category_id, self.defect)
            self.assertEqual(form.category_origin, "learned")
            self.assertEqual(form.team_id, self.team)
            # The agent knows better: a later edit keeps the agent's category.
            form.category_id = self.shipping
            self.assertEqual(form.category_origin, "manual")
            form.name = "Water leak after the delivery"
        self.assertEqual(form.record.category_id, self.shipping)
        self.assertEqual(form.record.category_origin, "manual")
        # The same as a SAT manager, for a case of another team.
        with Form(self.env["sat.case"].with_user(self.sat_manager)) as form:
            form.partner_id = self.customer
            form.name = "Double charge"
            form.symptom = "<p>You charged us twice for the same invoice.</p>"
            self.assertEqual(form.category_id, self.billing)
            self.assertEqual(form.team_id, self.billing_team)

    def test_rule_validation(self):
        # Rules are the managers': a SAT user reads them, cannot write them.
        with self.assertRaises(AccessError):
            self.env["sat.classification.rule"].with_user(self.sat_user).create(
                {"name": "Mine", "keywords": "x", "category_id": self.billing.id}
            )
        Rule = self.env["sat.classification.rule"].with_user(self.sat_manager)
        with self.assertRaisesRegex(ValidationError, "no condition"):
            Rule.create({"name": "Everything", "category_id": self.billing.id})
        with self.assertRaisesRegex(ValidationError, "not valid"):
            Rule.create(
                {"name": "Bad", "regex": "(unclosed", "category_id": self.billing.id}
            )
        with self.assertRaisesRegex(ValidationError, "needs a category"):
            Rule.create({"name": "No category", "keywords": "factura"})
