storage-y += env.c codec.c hash.c audit.c settings.c list.c line.c pending.c \
	line_query.c snapshot.c binding.c account.c token.c check.c \
	restrict.c budget.c authcode.c ban.c devpin.c txn.c
