b2bua-y += b2b.c table.c msg.c call.c dialog.c relay.c reg.c ident.c
b2bua-y += decide.c feature.c notify.c cdr.c bindex.c
b2bua-y += partition.c
b2bua-$(CONFIG_GUARD) += guard.c devpin.c
