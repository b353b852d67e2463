import functools
import html
import math
import re
import unicodedata
from collections import Counter, defaultdict
from io import StringIO

from odoo import api, fields, models

# A mail is read up to here: what a customer says about the problem comes first, and
# a body of megabytes must cost no more than a long mail.
MAX_CHARS = 20000
# What follows these lines is no longer the customer's problem: a quoted reply, a
# signature, a legal footer.
_CUT_RE = re.compile(
    r"^\s*(?:"
    r">"
    r"|-- ?$"
    r"|_{5,}"
    r"|-{3,}\s*(?:original message|mensaje original"
    r"|forwarded message|mensaje reenviado)"
    r"|(?:on|el)\s.{0,120}(?:wrote|escribi[oó])\s*:?\s*$"
    r"|(?:from|de|sent|enviado)\s*:\s"
    r"|(?:un saludo|saludos|atentamente|cordialmente|muchas gracias|gracias"
    r"|best regards|kind regards|regards|many thanks|thanks|thank you|cheers)"
    r"[\s,.!]*$"
    r"|(?:aviso legal|confidencial|disclaimer|confidential|this e-?mail and any"
    r"|este (?:mensaje|correo) (?:y sus|es confidencial)|rgpd|gdpr|lopd)"
    r")",
    re.IGNORECASE,
)
_BLOCKQUOTE_RE = re.compile(r"<blockquote.*?</blockquote>", re.IGNORECASE | re.DOTALL)
_INVISIBLE_RE = re.compile(
    r"<(style|script|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_BREAK_RE = re.compile(
    r"<(?:br|/p|/div|/li|/tr|/h\d|/blockquote)\b[^>]*>", re.IGNORECASE
)
_TAG_RE = re.compile(r"<[^>]*>")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# Endings that only inflect a word (plural, tense, gender), Spanish and English:
# "facturas", "facturado" and "factura" count as one word.
_SUFFIXES = (
    "aciones",
    "amiento",
    "mente",
    "acion",
    "ando",
    "iendo",
    "ados",
    "adas",
    "idos",
    "idas",
    "ado",
    "ada",
    "ido",
    "ida",
    "ing",
    "ies",
    "ed",
    "es",
    "s",
)
# Words that say nothing of the problem, Spanish and English.
# fmt: off
STOPWORDS = frozenset([
    "a", "al", "algo", "como", "con", "de", "del", "desde", "donde", "el", "ella", "en",
    "entre", "era", "es", "esa", "ese", "esta", "este", "esto", "estos", "estas", "fue",
    "ha", "han", "hay", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis",
    "muy", "nada", "ni", "no", "nos", "nuestra", "nuestro", "nuestros", "o", "os",
    "para", "pero", "por", "que", "se", "sin", "sobre", "son", "su", "sus", "tambien",
    "te", "tiene", "tienen", "todo", "todos", "tu", "un", "una", "unas", "uno", "unos",
    "usted", "ustedes", "vuestra", "vuestro", "y", "ya", "hola", "buenos", "dias",
    "buenas", "tardes", "estimados", "senores", "equipo", "favor", "gracias", "saludo",
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "but", "by", "can", "could", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "just", "me", "my", "no", "not", "of", "on", "or", "our", "out",
    "please", "so", "some", "than", "that", "the", "their", "them", "then", "there",
    "they", "this", "to", "up", "us", "was", "we", "were", "what", "when", "which",
    "will", "with", "would", "you", "your", "hello", "hi", "dear", "team", "good",
    "morning", "thanks", "regards",
])
# fmt: on


def _html_to_text(body):
    # Odoo's html2plaintext parses the whole document: ten times slower, and the
    # classifier only needs the words and the line breaks.
    body = _INVISIBLE_RE.sub("", _BLOCKQUOTE_RE.sub("", body))
    return html.unescape(_TAG_RE.sub(" ", _BREAK_RE.sub("\n", body)))


def clean_body(body):
    """What a mail's body says about the problem, as text: without quoted replies,
    signatures nor legal footers."""
    body = (body or "")[: MAX_CHARS * 5]
    if "<" in body:
        body = _html_to_text(body)
    lines = []
    for line in body[:MAX_CHARS].splitlines():
        if lines and _CUT_RE.match(line):
            break
        if line.strip() and not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines)


def mail_text(subject, body):
    return f"{subject or ''}\n{clean_body(body)}"


def normalize(text):
    """Lower case without accents: "Facturación" and "facturacion" are one word."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(char for char in text if not unicodedata.combining(char))


@functools.lru_cache(maxsize=100000)
def _stem(word):
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:6]


def tokens(text):
    """Words without accents nor case nor inflection: "Facturación", "facturacion"
    and "facturas" are one token."""
    return [
        _stem(word)
        for word in _TOKEN_RE.findall(normalize(text))
        if len(word) > 2 and word not in STOPWORDS and not word.isdigit()
    ]


# Rows of a category that are no word: its share of the cases, and the weight of a
# word never seen in it (tokens are letters and digits only).
PRIOR = "#prior"
UNSEEN = "#unseen"
SMOOTHING = 0.5


class SatCaseClassifierTerm(models.Model):
    """What the company's past cases teach about their categories: the weight of each
    word for each category (a naive Bayes model), rebuilt by a scheduled action, read
    with one query for each new case."""

    _name = "sat.case.classifier.term"
    _description = "Support Case Classifier Term"
    _log_access = False

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade"
    )
    category_id = fields.Many2one(
        "sat.case.category", required=True, ondelete="cascade"
    )
    term = fields.Char(required=True)
    weight = fields.Float(required=True, help="Log-probability of the term.")

    def init(self):
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sat_case_classifier_term_lookup_idx
                ON sat_case_classifier_term (company_id, term)
            """
        )

    # ------------------------------------------------------------------ training
    @api.model
    def _cron_train(self):
        for company in self.env["res.company"].search([]):
            self._train(company)

    @api.model
    def _training_cases(self, company):
        """Cases whose category a person stands by: closed ones, and open ones whose
        category was set or corrected by hand."""
        return [
            ("company_id", "=", company.id),
            ("category_id", "!=", False),
            ("category_id.active", "=", True),
            ("is_cancel", "=", False),
            "|",
            ("is_closed", "=", True),
            ("category_origin", "=", "manual"),
        ]

    @api.model
    def _train(self, company):
        """Rebuilds the company's model; returns how many cases it learned from."""
        counts = defaultdict(Counter)  # category: term: occurrences
        documents = Counter()  # category: cases
        Case = self.env["sat.case"].sudo().with_context(active_test=False)
        query = Case._search(self._training_cases(company))
        self.env.cr.execute(
            query.select("sat_case.category_id", "sat_case.name", "sat_case.symptom")
        )
        while rows := self.env.cr.fetchmany(2000):
            for category_id, subject, symptom in rows:
                documents[category_id] += 1
                counts[category_id].update(tokens(mail_text(subject, symptom)))
        self.env.cr.execute(
            "DELETE FROM sat_case_classifier_term WHERE company_id = %s", [company.id]
        )
        if not documents:
            return 0
        total = sum(documents.values())
        vocabulary = set().union(*counts.values())
        rows = []
        for category_id, terms in counts.items():
            size = sum(terms.values()) + SMOOTHING * len(vocabulary)
            rows.append((category_id, PRIOR, math.log(documents[category_id] / total)))
            rows.append((category_id, UNSEEN, math.log(SMOOTHING / size)))
            rows += [
                (category_id, term, math.log((count + SMOOTHING) / size))
                for term, count in terms.items()
            ]
        self._insert(company, rows)
        return total

    @api.model
    def _insert(self, company, rows):
        # COPY: a company's model is rebuilt in one statement, however large.
        buffer = StringIO()
        for category_id, term, weight in rows:
            buffer.write(f"{company.id}\t{category_id}\t{term}\t{weight!r}\n")
        buffer.seek(0)
        self.env.cr.copy_from(
            buffer,
            "sat_case_classifier_term",
            columns=("company_id", "category_id", "term", "weight"),
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------------ guessing
    @api.model
    def _guess(self, company, text):
        """``(category, confidence)`` for the text of a mail (see ``mail_text``),
        from one query; an empty category when nothing is known of its words."""
        words = Counter(tokens(text))
        self.env["sat.case.category"].flush_model(["active"])
        self.env.cr.execute(
            """
            SELECT term.category_id, term.term, term.weight
              FROM sat_case_classifier_term term
              JOIN sat_case_category category ON category.id = term.category_id
             WHERE term.company_id = %s AND category.active
               AND term.term = ANY(%s)
            """,
            [company.id, [PRIOR, UNSEEN, *words]],
        )
        weights = defaultdict(dict)
        for category_id, term, weight in self.env.cr.fetchall():
            weights[category_id][term] = weight
        known = {term for by_term in weights.values() for term in by_term} - {
            PRIOR,
            UNSEEN,
        }
        if not weights or not known:
            return self.env["sat.case.category"], 0.0
        scores = {
            category_id: by_term[PRIOR]
            + sum(
                count * by_term.get(term, by_term[UNSEEN])
                for term, count in words.items()
                if term in known
            )
            for category_id, by_term in weights.items()
        }
        return self._confidence(scores, sum(words[term] for term in known))

    @api.model
    def _confidence(self, scores, length):
        # Naive Bayes is sure of itself on long texts: its log-odds grow with the
        # number of words. Scaled back by the square root of that number, they give
        # a confidence that says how clear the mail is, whatever its length.
        scale = max(1.0, math.sqrt(length))
        best = max(scores.values())
        odds = {key: math.exp((score - best) / scale) for key, score in scores.items()}
        category_id = max(odds, key=odds.get)
        return (
            self.env["sat.case.category"].browse(category_id),
            odds[category_id] / sum(odds.values()),
        )
