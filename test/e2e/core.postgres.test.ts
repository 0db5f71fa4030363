import { describeCoreSuite } from "./core-suite";

describeCoreSuite("postgres");
