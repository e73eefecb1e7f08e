# Les pages de fxa-gate, en français.

## Noms

provider-mozilla = compte Mozilla
this-site = ce site

## Éléments de chaque page

page-reference = Référence : { $id }
page-reference-help = Donnez cette référence aux responsables du site si vous leur demandez de l’aide.
page-signed-in-as = Vous êtes connecté·e en tant que { $email }.

## Liens et boutons

link-sign-in = Se connecter
link-sign-in-again = Se reconnecter
link-other-account = Utiliser un autre compte
link-back = Revenir à l’application
link-try-again = Réessayer
link-account-settings = Ouvrir les paramètres de votre { $provider }
link-sessions = Voir où vous êtes connecté·e
link-subscribe = Voir les offres d’abonnement
link-step-up = Confirmer avec l’authentification en deux étapes

## Erreurs

error-bad-request-title = Cette requête n’a pas pu être comprise
error-bad-request-reason = L’adresse ou la requête n’a pas une forme que ce site accepte. Revenez en arrière et réessayez.
error-unauthenticated-title = Connectez-vous pour continuer
error-unauthenticated-reason = Vous devez vous connecter pour voir cette page.
error-token-title = Votre accès n’a pas pu être confirmé
error-token-reason = L’application qui a envoyé cette requête a utilisé une clé d’accès non valide ou expirée. Reconnectez-vous.
error-forbidden-title = Vous n’avez pas accès à cette page
error-forbidden-reason = Vous êtes connecté·e, mais ce site n’autorise pas votre compte ici.
error-not-found-title = Page introuvable
error-not-found-reason = Il n’y a rien à cette adresse. Vérifiez qu’elle ne contient pas de faute de frappe, ou revenez à l’application.
error-method-title = Cette action n’est pas possible ici
error-method-reason = Cette page ne peut pas être utilisée de cette façon. Revenez en arrière et réessayez.
error-timeout-title = La requête a pris trop de temps
error-timeout-reason = Votre navigateur a mis trop de temps à envoyer la requête. Vérifiez votre connexion et réessayez.
error-too-many-title = Trop de requêtes
error-too-many-reason = Ce navigateur a envoyé trop de requêtes en peu de temps. Attendez une minute, puis réessayez.
error-unavailable-title = Ce service n’est pas disponible pour le moment
error-unavailable-reason = Ce n’est pas de votre faute. Veuillez réessayer dans quelques minutes.
error-provider-title = La connexion n’est pas possible pour le moment
error-provider-reason = Votre { $provider } n’a pas pu être joint, ou il a répondu par une erreur. Veuillez réessayer dans quelques minutes.
error-app-title = L’application ne répond pas
error-app-reason = L’application derrière cette page n’a pas répondu à temps, ou elle n’a pas pu être jointe. Veuillez réessayer dans quelques minutes.
error-setup-title = Ce site n’est pas configuré correctement
error-setup-reason = Les responsables du site doivent corriger sa configuration. Donnez-leur la référence ci-dessous.
error-internal-title = Un problème est survenu
error-internal-reason = Un problème inattendu a arrêté cette page. Veuillez réessayer ; si cela se reproduit, donnez la référence ci-dessous aux responsables du site.
error-busy-title = Ce site est très sollicité en ce moment
error-busy-reason = Trop de personnes l’utilisent en même temps. Veuillez réessayer dans un instant.
error-cross-site-title = Cette requête venait d’un autre site
error-cross-site-reason = Pour votre sécurité, ce site n’accepte cette requête que depuis ses propres pages, donc rien n’a été modifié. Revenez en arrière et utilisez le bouton de ce site.
error-forged-header-title = Cette requête a été refusée
error-forged-header-reason = Votre navigateur, ou un intermédiaire entre lui et ce site, a ajouté à la requête des informations que seul ce site peut définir. Si une extension ou un outil modifie vos requêtes, désactivez-le pour ce site et réessayez. Si cela se reproduit, donnez aux responsables du site la référence ci-dessous.
error-headers-too-large-title = Cette requête était trop volumineuse
error-headers-too-large-reason = Votre navigateur a envoyé avec cette requête plus de données que ce site n’en accepte, souvent à cause de cookies trop nombreux ou trop gros. Supprimez les cookies de ce site et réessayez.
error-profile-too-large-title = Votre profil ne peut pas être utilisé ici
error-profile-too-large-reason = Le profil de votre { $provider } contient quelque chose que ce site ne peut pas accepter : une valeur trop longue, ou trop d’éléments. Raccourcissez-le dans les paramètres de votre { $provider }, puis reconnectez-vous.
error-logout-incomplete-title = Vous êtes toujours connecté·e
error-logout-incomplete-reason = La déconnexion de { $site } n’a pas pu aboutir, vous êtes donc toujours connecté·e. Veuillez réessayer dans un instant.

## Problèmes de connexion

login-expired-title = Votre connexion a expiré
login-expired-reason = La connexion a pris trop de temps, ou elle a été commencée dans un autre navigateur ou une autre fenêtre. Recommencez-la.
login-mismatch-title = Cette connexion appartient à une autre fenêtre
login-mismatch-reason = La réponse de votre fournisseur de compte ne correspond à aucune connexion commencée dans ce navigateur. Recommencez depuis cette fenêtre.
login-cancelled-title = Connexion annulée
login-cancelled-reason = Vous avez annulé la connexion, ou votre { $provider } ne l’a pas autorisée.
login-failed-title = La connexion n’a pas abouti
login-failed-reason = Votre { $provider } n’a pas accepté cette connexion (elle a peut-être déjà été utilisée). Recommencez.

## Connecté·e, mais sans accès

forbidden-title = Vous n’avez pas accès à cette page
forbidden-domain = Cet espace est réservé aux comptes { $domains }.
forbidden-emails = Cet espace n’est ouvert qu’à certains comptes.
forbidden-plan = Cet espace nécessite un abonnement { $plan }.
forbidden-plan-how = Si vous venez de vous abonner, reconnectez-vous pour que votre abonnement soit pris en compte.
forbidden-scope = Votre connexion n’a pas accordé une autorisation dont cet espace a besoin.
forbidden-two-step = Cet espace nécessite l’authentification en deux étapes.
forbidden-two-step-how = Activez l’authentification en deux étapes dans les paramètres de votre { $provider }, puis reconnectez-vous.
forbidden-assurance = Cet espace nécessite une connexion plus sûre que ce que votre fournisseur de compte peut confirmer.
forbidden-other-account = Si vous avez un autre compte autorisé ici, connectez-vous avec celui-ci.

## Authentification en deux étapes demandée, mais pas utilisée

step-up-title = L’authentification en deux étapes est nécessaire
step-up-reason = Cet espace vous demande de confirmer votre identité par une seconde étape, comme un code d’une application d’authentification. Votre connexion n’en a pas utilisé.
step-up-how = Activez l’authentification en deux étapes dans les paramètres de votre { $provider }, puis réessayez.

## Déconnecté·e

signed-out-title = Vous êtes déconnecté·e
signed-out-reason = Vous vous êtes déconnecté·e de { $site }.
signed-out-provider = Vous êtes toujours connecté·e à votre { $provider } dans ce navigateur : une nouvelle connexion ne vous demandera peut-être pas votre mot de passe. Pour vous en déconnecter aussi, utilisez ses paramètres.

## Confirmer la déconnexion

logout-title = Se déconnecter ?
logout-reason = Voulez-vous vous déconnecter de { $site } ?
logout-button = Se déconnecter

## Où vous êtes connecté·e

sessions-title = Où vous êtes connecté·e
sessions-intro = Ces navigateurs et appareils sont connectés à { $site } avec votre compte.
sessions-current = Ce navigateur
sessions-browser = { $browser } sous { $system }
sessions-unknown-browser = Navigateur inconnu
sessions-signed-in = Connecté le { $date }
sessions-last-seen = Dernière activité { $when }
sessions-address = Réseau { $ip }
sessions-end = Déconnecter ce navigateur
sessions-end-all = Se déconnecter partout ailleurs
sessions-only-this = Vous n’êtes connecté·e nulle part ailleurs.
sessions-ended = La session a été fermée.
sessions-ended-all = Toutes les autres sessions ont été fermées.
sessions-provider = Votre { $provider } a sa propre liste d’appareils et d’applications dans ses paramètres.
