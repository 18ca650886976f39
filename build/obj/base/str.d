build/obj/base/str.o: src/base/str.c src/base/str.h src/base/status.h
src/base/str.h:
src/base/status.h:
