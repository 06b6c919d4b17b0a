// ES module form of cabridge.js: the same object, importable.
import './cabridge.js';

const cabridge = globalThis.cabridge;
export const { detect, readCertificate, login, CabridgeError } = cabridge;
export default cabridge;
