# web/: HTTP(S) server, REST API, console, live events, metrics, phones.
#
# llhttp has no library package: its three C files are compiled here from
# LLHTTP_DIR (Debian's node-llhttp; the OpenWrt package points it at the
# release tarball), strict mode, with warnings relaxed for them only.
# The console under web/static/ is embedded by scripts/embed.sh into a
# generated C file.

LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp

# web/internal.h includes llhttp.h: its tests need the path even when the
# room is configured out (they then only report a skip).
$(BUILD)/obj/web/%.o: CPPFLAGS += -I$(LLHTTP_INC) -DLLHTTP_STRICT_MODE=1
$(BUILD)/tests/web/%: CPPFLAGS += -I$(LLHTTP_INC) -DLLHTTP_STRICT_MODE=1

ifeq ($(CONFIG_WEB),y)
web-y += server.c http.c reply.c buf.c route.c json.c auth.c api_lines.c
web-y += api_lists.c api_rules.c api_logs.c events.c metrics.c pin.c phone.c
web-y += partition.c
web-y += static.c assets.c llhttp/llhttp.c llhttp/api.c llhttp/http.c
web-$(CONFIG_TLS) += tls.c
web-$(CONFIG_GUARD) += api_bans.c

WEB_ASSETS := $(sort $(wildcard web/static/*))

$(BUILD)/obj/web/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(OPT) -w -fno-common \
	    -ffunction-sections -fdata-sections $(filter -fsanitize%,$(CFLAGS)) \
	    -c -o $@ $<

$(BUILD)/gen/web/assets.c: $(WEB_ASSETS) scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ $(WEB_ASSETS)

$(BUILD)/obj/web/assets.o: $(BUILD)/gen/web/assets.c $(BUILD)/include/autoconf.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
endif
