/** `node --import bench/module-trace/register.mjs ...`: records every module the program resolves (see hook.mjs). */
import { register } from 'node:module';

register('./hook.mjs', import.meta.url);
