# sip/: transports, parse/serialize on libosip2, transactions (sip.h).
sip-y += htab.c timer.c msg.c parse.c
