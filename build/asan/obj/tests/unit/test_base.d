build/asan/obj/tests/unit/test_base.o: tests/unit/test_base.c \
 src/base/clock.h src/base/crypto.h src/base/status.h src/base/log.h \
 src/base/str.h
src/base/clock.h:
src/base/crypto.h:
src/base/status.h:
src/base/log.h:
src/base/str.h:
