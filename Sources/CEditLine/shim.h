#include <stdio.h>
#include <editline/readline.h>

// In libedit since 2016 but missing from its readline.h: binds a key to a readline-style command, which
// libedit calls with rl_line_buffer/rl_end/rl_point brought up to date.
int rl_add_defun(const char *name, rl_command_func_t *function, int key);
