build/asan/obj/cli/cmd_config.o: src/cli/cmd_config.c src/cli/cli.h
src/cli/cli.h:
