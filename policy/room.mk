policy-y += pattern.c pin.c decide.c view.c
