build/obj/sim/main.o: src/sim/main.c
