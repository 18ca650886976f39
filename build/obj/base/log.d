build/obj/base/log.o: src/base/log.c src/base/log.h src/base/status.h \
 src/base/clock.h src/base/str.h
src/base/log.h:
src/base/status.h:
src/base/clock.h:
src/base/str.h:
