from . import test_sat_mail_gateway
