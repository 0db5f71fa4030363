import { Initial1764000000000 } from "./1764000000000-initial";

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [Initial1764000000000];
