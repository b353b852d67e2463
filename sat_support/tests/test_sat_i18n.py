from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "sat_support"


@tagged("post_install", "-at_install")
class TestSatTranslations(TransactionCase):
    """Every string a user can see has its Spanish translation."""

    def test_spanish_translation_is_complete(self):
        po_path = Path(__file__).parents[1] / "i18n" / "es.po"
        translated = {
            entry.msgid
            for entry in polib.pofile(str(po_path))
            if entry.msgstr and not entry.fuzzy
        }
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        sources = {entry[4] for entry in reader if entry[4]}
        missing = sorted(sources - translated)
        self.assertFalse(
            missing,
            f"{len(missing)} strings have no Spanish translation: {missing[:20]}",
        )

    def test_spanish_is_loaded(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "=", MODULE)]
        )._update_translations(["es_ES"])
        stage = self.env.ref("sat_support.sat_case_stage_waiting").with_context(
            lang="es_ES"
        )
        self.assertNotEqual(stage.name, "Waiting Customer")
        label = (
            self.env["sat.case"]
            .with_context(lang="es_ES")
            .fields_get(["symptom"])["symptom"]["string"]
        )
        self.assertEqual(label, "Síntoma")
