policy-y += pattern.c pin.c decide.c view.c partition.c
policy-$(CONFIG_POLICY_INBOUND_BLOCK) += inbound.c
policy-$(CONFIG_POLICY_AFTER_HOURS) += hours.c
policy-$(CONFIG_POLICY_AUTH_CODES) += cor.c
policy-$(CONFIG_GUARD) += guard.c
