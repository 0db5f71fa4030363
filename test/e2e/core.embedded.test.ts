import { describeCoreSuite } from "./core-suite";

describeCoreSuite("embedded");
