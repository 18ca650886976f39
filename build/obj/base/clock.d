build/obj/base/clock.o: src/base/clock.c src/base/clock.h src/base/str.h \
 src/base/status.h
src/base/clock.h:
src/base/str.h:
src/base/status.h:
