from . import sat_mail_gateway_message
from . import fetchmail_server
from . import ir_mail_server
from . import res_partner
from . import sat_case_stage
from . import sat_case
from . import mail_thread
