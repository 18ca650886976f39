build/asan/obj/base/crypto.o: src/base/crypto.c src/base/crypto.h \
 src/base/status.h src/base/str.h
src/base/crypto.h:
src/base/status.h:
src/base/str.h:
