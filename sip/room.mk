# sip/: transports, parse/serialize on libosip2, transactions (sip.h).
sip-y += arena.c htab.c timer.c msg.c hdr.c parse.c check.c frame.c print.c stack.c \
	transport.c tcp.c \
	txn.c txn_server.c txn_client.c rate.c ban.c
sip-$(CONFIG_TLS) += tls.c
sip-$(if $(filter y,$(CONFIG_TLS)),n,y) += tls_none.c
