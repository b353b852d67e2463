"""A labelled corpus of support mails, in Spanish and English, for the classification
bench: a history of past cases and a separate set of new mails.

Each mail is built from hand-written sentences of its category, with what real mail
carries around them: greetings, signatures, legal footers, quoted replies about
something else, words of other categories in passing ("the invoice is fine"), typos
and Spanish written without accents. Some sentences are kept out of the history, so
that new mails also say things in words the history never saw."""

import random
import unicodedata

CATEGORIES = ["defect", "billing", "shipping", "administrative", "installation"]
NAMES = {
    "defect": "Product Defect",
    "billing": "Billing Incident",
    "shipping": "Shipping Error",
    "administrative": "Administrative Error",
    "installation": "Installation and Setup",
}

SENTENCES = {
    ("defect", "es"): [
        "La máquina pierde agua por debajo del grupo desde esta mañana.",
        "El molinillo hace un ruido muy fuerte y se para a los pocos segundos.",
        "La lanza de vapor no calienta la leche, solo sale agua fría.",
        "La pantalla se queda en negro y la máquina no enciende.",
        "Salta el diferencial cada vez que encendemos la cafetera.",
        "La bomba vibra mucho y el café sale sin presión.",
        "El termostato no funciona, el agua sale hirviendo y quema el café.",
        "Gotea el depósito de agua y se forma un charco en la barra.",
        "La máquina da el error E07 y se bloquea.",
        "El café sale muy lento y la presión no sube de 5 bares.",
        "Se ha roto la junta del portafiltros y sale agua por los lados.",
        "La resistencia parece quemada, huele a plástico quemado.",
        "El botón de doble café no responde y hay que apagarla.",
        "La caldera no coge temperatura aunque la dejemos encendida una hora.",
    ],
    ("defect", "en"): [
        "The machine is leaking water under the group head since this morning.",
        "The grinder makes a loud noise and stops after a few seconds.",
        "The steam wand does not heat the milk, only cold water comes out.",
        "The display stays black and the machine will not switch on.",
        "The breaker trips every time we turn the coffee machine on.",
        "The pump vibrates a lot and the coffee comes out with no pressure.",
        "The thermostat is broken, the water is boiling and burns the coffee.",
        "The water tank drips and leaves a puddle on the counter.",
        "The machine shows error E07 and locks up.",
        "Coffee flows very slowly and the pressure never goes above 5 bar.",
        "The portafilter gasket is torn and water sprays out of the sides.",
        "The heating element seems burnt, there is a smell of burnt plastic.",
        "The double shot button does not respond and we have to unplug it.",
        "The boiler never reaches temperature even after an hour switched on.",
    ],
    ("billing", "es"): [
        "Nos habéis cobrado dos veces la misma factura este mes.",
        "El importe de la factura no coincide con el presupuesto aceptado.",
        "Nos aplicáis un IVA del 21 % cuando deberíamos tener el reducido.",
        "Hemos pagado por transferencia y seguís reclamando el pago.",
        "La factura incluye una visita técnica que nunca se hizo.",
        "Falta el descuento del 10 % pactado en el contrato.",
        "El recibo domiciliado se ha cargado dos veces en la cuenta.",
        "Necesitamos un abono por el cargo duplicado de la última factura.",
        "El precio de la pieza facturada es el doble del de la tarifa.",
        "Nos ha llegado una factura de un servicio que estaba en garantía.",
        "La factura tiene un error en la base imponible y el total no cuadra.",
        "El banco nos ha devuelto un cargo vuestro que no reconocemos.",
        "Queremos que nos devolváis el dinero del pago hecho por error.",
        "El cobro de la cuota de mantenimiento ha subido sin previo aviso.",
    ],
    ("billing", "en"): [
        "You charged us twice for the same invoice this month.",
        "The invoice amount does not match the quote we accepted.",
        "You applied 21 % VAT although we are entitled to the reduced rate.",
        "We paid by bank transfer and you keep asking for the payment.",
        "The invoice includes a technician visit that never happened.",
        "The 10 % discount agreed in the contract is missing.",
        "The direct debit was taken twice from our bank account.",
        "We need a credit note for the duplicate charge on the last invoice.",
        "The price of the part on the invoice is twice the list price.",
        "We were invoiced for a repair that was covered by the warranty.",
        "The invoice has a wrong tax base and the total does not add up.",
        "Our bank returned a charge from you that we do not recognise.",
        "Please refund the payment we made by mistake.",
        "The maintenance fee went up without any notice.",
    ],
    ("shipping", "es"): [
        "El pedido no ha llegado y la agencia dice que está entregado.",
        "Hemos recibido un molinillo en lugar de la cafetera que pedimos.",
        "La caja llegó abollada y el cristal de la vitrina está roto.",
        "Faltan dos cajas del envío, solo han traído tres de cinco bultos.",
        "El transportista dejó el paquete en la dirección antigua.",
        "El seguimiento del envío lleva una semana sin moverse.",
        "Nos han enviado 20 unidades de filtros en vez de 200.",
        "El albarán no coincide con lo que venía dentro de la caja.",
        "El repartidor no quiso subir la mercancía y la dejó en la calle.",
        "El paquete llegó abierto y falta el portafiltros.",
        "La entrega estaba prevista para el lunes y todavía no sabemos nada.",
        "Recibimos el pedido de otro cliente con otra dirección en la etiqueta.",
        "La mensajería nos cobra unos portes que no habíamos acordado.",
        "El palé llegó con la película rota y las cajas mojadas.",
    ],
    ("shipping", "en"): [
        "The order has not arrived although the courier says it was delivered.",
        "We received a grinder instead of the coffee machine we ordered.",
        "The box arrived dented and the glass of the display case is broken.",
        "Two boxes of the shipment are missing, only three of five parcels came.",
        "The carrier left the parcel at our old address.",
        "The tracking number has not moved for a week.",
        "You sent us 20 filter units instead of 200.",
        "The delivery note does not match what was inside the box.",
        "The driver refused to bring the goods in and left them on the street.",
        "The parcel arrived open and the portafilter is missing.",
        "Delivery was due on Monday and we still have no news.",
        "We received another customer's order with a different address label.",
        "The courier is charging us freight costs we never agreed to.",
        "The pallet arrived with the wrap torn and the boxes soaked.",
    ],
    ("administrative", "es"): [
        "Nuestra razón social está mal escrita en todos los documentos.",
        "Hemos cambiado de domicilio fiscal, por favor actualizad los datos.",
        "El CIF que aparece en el contrato no es el nuestro.",
        "Necesitamos que cambiéis la persona de contacto de la cuenta.",
        "El contrato de mantenimiento está a nombre de la empresa anterior.",
        "No podemos acceder al portal, dice que el usuario no existe.",
        "Queremos dar de baja el contrato al final de este trimestre.",
        "Por favor enviadnos el certificado de estar al corriente con Hacienda.",
        "El número de cuenta bancaria registrado es el antiguo.",
        "Hay dos fichas de cliente duplicadas para nuestro restaurante.",
        "Pedimos una copia firmada del contrato y no la hemos recibido.",
        "Los correos llegan a una persona que ya no trabaja aquí.",
        "El nombre comercial del local ha cambiado desde enero.",
        "Necesitamos el certificado de conformidad CE para la inspección.",
    ],
    ("administrative", "en"): [
        "Our company name is misspelled on every document.",
        "We moved our registered office, please update our details.",
        "The tax ID on the contract is not ours.",
        "Please change the contact person of our account.",
        "The maintenance contract is still in the name of the previous owner.",
        "We cannot log in to the portal, it says the user does not exist.",
        "We want to cancel the contract at the end of this quarter.",
        "Please send us the certificate of good standing we asked for.",
        "The bank account number on file is the old one.",
        "There are two duplicate customer records for our restaurant.",
        "We asked for a signed copy of the contract and never got it.",
        "Your emails go to a person who no longer works here.",
        "The trading name of the shop changed in January.",
        "We need the CE declaration of conformity for the inspection.",
    ],
    ("installation", "es"): [
        "¿Cómo conectamos la máquina a la toma de agua del local?",
        "Necesitamos que un técnico venga a instalar la nueva cafetera.",
        "No sabemos cómo programar la dosis de café en el panel.",
        "¿Qué enchufe necesita la máquina, monofásico o trifásico?",
        "Queremos cambiar la máquina de sitio, ¿podéis reinstalarla?",
        "¿Cómo se configura la limpieza automática cada noche?",
        "El manual no explica cómo ajustar la molienda la primera vez.",
        "¿Hace falta un descalcificador para la puesta en marcha?",
        "Pedimos cita para la puesta en marcha de la máquina nueva.",
        "¿Qué presión de red necesita la máquina para funcionar bien?",
        "Queremos formación para el personal sobre el uso diario.",
        "¿Se puede conectar la cafetera al sistema de caja por wifi?",
        "¿Qué espacio hay que dejar detrás para la ventilación?",
        "Necesitamos instrucciones para montar el soporte de las tazas.",
    ],
    ("installation", "en"): [
        "How do we connect the machine to the water supply of the shop?",
        "We need a technician to come and install the new coffee machine.",
        "We do not know how to program the coffee dose on the panel.",
        "Which socket does the machine need, single phase or three phase?",
        "We want to move the machine, can you reinstall it?",
        "How do we set up the automatic cleaning every night?",
        "The manual does not explain how to set the grind the first time.",
        "Is a water softener required for commissioning?",
        "We would like an appointment for commissioning the new machine.",
        "What mains water pressure does the machine need to work well?",
        "We would like training for our staff on daily use.",
        "Can the coffee machine be connected to the till system over wifi?",
        "How much space must be left behind it for ventilation?",
        "We need instructions to mount the cup holder.",
    ],
}
# Kept out of the history: new mails say these in words the history never saw.
HELD_OUT = 4

SUBJECTS = {
    ("defect", "es"): ["Avería cafetera", "La máquina no funciona", "Fuga de agua"],
    ("defect", "en"): ["Machine fault", "Coffee machine broken", "Water leak"],
    ("billing", "es"): ["Error en factura", "Cobro duplicado", "Reclamación cargo"],
    ("billing", "en"): ["Invoice error", "Double charge", "Wrong amount"],
    ("shipping", "es"): ["Pedido no recibido", "Envío incorrecto", "Entrega"],
    ("shipping", "en"): ["Order not received", "Wrong shipment", "Delivery"],
    ("administrative", "es"): ["Cambio de datos", "Datos de la cuenta", "Contrato"],
    ("administrative", "en"): ["Change of details", "Account details", "Contract"],
    ("installation", "es"): ["Instalación", "Puesta en marcha", "Consulta montaje"],
    ("installation", "en"): ["Installation", "Commissioning", "Setup question"],
}
VAGUE_SUBJECTS = {
    "es": ["Consulta", "Urgente", "Problema", "Ayuda por favor", "Incidencia"],
    "en": ["Question", "Urgent", "Problem", "Help please", "Issue"],
}
GREETINGS = {
    "es": [
        "Hola,",
        "Buenos días,",
        "Buenas tardes:",
        "Estimados señores:",
        "Hola equipo,",
    ],
    "en": ["Hello,", "Good morning,", "Hi team,", "Dear support,", "Hi,"],
}
CONTEXT = {
    "es": [
        "Es el local de la calle Mayor.",
        "Lo necesitamos resuelto antes del fin de semana.",
        "Os escribo de parte del encargado.",
        "Ya os llamamos ayer pero nadie nos contestó.",
        "Tenemos el local lleno de clientes.",
    ],
    "en": [
        "This is the shop on the high street.",
        "We need this sorted before the weekend.",
        "I am writing on behalf of the manager.",
        "We already called yesterday but nobody answered.",
        "The shop is full of customers.",
    ],
}
# Words of another category said in passing, to mislead a word counter.
MISLEADING = {
    (
        "defect",
        "es",
    ): "La factura y el envío estuvieron bien, el problema es la máquina.",
    (
        "defect",
        "en",
    ): "The invoice and the delivery were fine, the machine is the problem.",
    ("billing", "es"): "La máquina funciona perfectamente, el problema es el cobro.",
    ("billing", "en"): "The machine works perfectly, the problem is the charge.",
    ("shipping", "es"): "No es un problema de la factura, es del transporte.",
    ("shipping", "en"): "It is not an invoice problem, it is the transport.",
    ("administrative", "es"): "La cafetera va bien y las facturas están pagadas.",
    ("administrative", "en"): "The coffee machine is fine and the invoices are paid.",
    (
        "installation",
        "es",
    ): "No es una avería, la máquina es nueva y está sin estrenar.",
    ("installation", "en"): "It is not a fault, the machine is brand new and unused.",
}
QUOTES = {
    "es": [
        (
            "El lun, 2 nov 2026 a las 10:12, Soporte <soporte@example.com> escribió:\n"
            "> Le confirmamos que la factura FAC/2026/0133 se ha enviado y el pedido\n"
            "> salió ayer con la agencia. La máquina quedó reparada."
        ),
        (
            "-----Mensaje original-----\nDe: Soporte\nEnviado: martes\n"
            "Asunto: Abono y envío\nLe enviamos el abono y el nuevo albarán de entrega."
        ),
    ],
    "en": [
        (
            "On Mon, 2 Nov 2026 at 10:12, Support <support@example.com> wrote:\n"
            "> We confirm invoice INV/2026/0133 was sent and the order left\n"
            "> yesterday with the courier. The machine was repaired."
        ),
        (
            "-----Original Message-----\nFrom: Support\nSent: Tuesday\n"
            "Subject: Credit note and delivery\nPlease find the credit note and the "
            "new delivery note."
        ),
    ],
}
SIGNATURES = {
    "es": [
        "Un saludo,\nMarta Gil\nEncargada - Cafetería Sol\nTel. 912 345 678",
        "Gracias.\n--\nJuan Pérez\nDepartamento de compras\nBar Luna S.L.",
        "Atentamente,\nLaura Romero\nAdministración\nwww.restauranteromero.es",
    ],
    "en": [
        "Best regards,\nMary Smith\nManager - Sunrise Café\nPhone 020 7946 0000",
        "Thanks.\n--\nJohn Brown\nPurchasing\nMoon Bar Ltd",
        "Kind regards,\nLaura White\nAccounts\nwww.whitesdiner.example",
    ],
}
FOOTERS = {
    "es": "AVISO LEGAL: Este mensaje y sus anexos son confidenciales y se dirigen "
    "exclusivamente a su destinatario. Si lo ha recibido por error, notifíquelo al "
    "remitente y bórrelo. Sus datos se tratan conforme al RGPD; puede ejercer sus "
    "derechos de acceso, rectificación, facturación y envío de información comercial.",
    "en": "DISCLAIMER: This e-mail and any attachments are confidential and intended "
    "solely for the addressee. If you received it in error, please notify the sender "
    "and delete it. Invoices, shipping notices and payment details sent by e-mail "
    "must be checked by phone.",
}


def _strip_accents(text):
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


def _typo(rng, text):
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) > 5]
    if candidates:
        i = rng.choice(candidates)
        word = words[i]
        j = rng.randrange(1, len(word) - 2)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _mail(rng, category, lang, pool):
    body = [rng.choice(GREETINGS[lang]), ""]
    if rng.random() < 0.4:
        body.append(rng.choice(CONTEXT[lang]))
    body += rng.sample(pool, rng.choice((1, 1, 2)))
    if rng.random() < 0.3:
        body.append(MISLEADING[category, lang])
    body += ["", rng.choice(SIGNATURES[lang])]
    if rng.random() < 0.5:
        body += ["", FOOTERS[lang]]
    if rng.random() < 0.35:
        body += ["", rng.choice(QUOTES[lang])]
    text = "\n".join(body)
    subject = (
        rng.choice(VAGUE_SUBJECTS[lang])
        if rng.random() < 0.35
        else rng.choice(SUBJECTS[category, lang])
    )
    if lang == "es" and rng.random() < 0.3:
        text, subject = _strip_accents(text), _strip_accents(subject)
    if rng.random() < 0.25:
        text = _typo(rng, text)
    return {"category": category, "lang": lang, "subject": subject, "body": text}


def corpus(history_per_category=60, new_per_category=20, seed=2026):
    """``(history, new)``: lists of ``{category, lang, subject, body}``."""
    rng = random.Random(seed)
    history, new = [], []
    for category in CATEGORIES:
        for lang in ("es", "en"):
            sentences = SENTENCES[category, lang]
            seen, held = sentences[:-HELD_OUT], sentences[-HELD_OUT:]
            history += [
                _mail(rng, category, lang, seen)
                for _i in range(history_per_category // 2)
            ]
            # Half the new mails in sentences the history never had.
            new += [
                _mail(rng, category, lang, held if i % 2 else seen)
                for i in range(new_per_category // 2)
            ]
    rng.shuffle(history)
    rng.shuffle(new)
    return history, new
