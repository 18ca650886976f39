build/asan/obj/cli/cmd_console.o: src/cli/cmd_console.c src/cli/cli.h
src/cli/cli.h:
